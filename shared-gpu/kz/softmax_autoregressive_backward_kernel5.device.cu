#include <cuda_fp16.h>
#include <cuda_bf16.h>
/*
Kernels for attention backward pass.

Compile example:
nvcc -O3 --use_fast_math -lcublas -lcublasLt attention_backward.cu -o attention_backward

version 1 is a naive first version
OMP_NUM_THREADS=32 ./attention_backward 1

version 2 much ensures better load-balancing by having independent threads for each batch and attention head
OMP_NUM_THREADS=32 ./attention_backward 2

version 3 uses a full warp to calculate each result (instead of a thread), which enables coalesced memory access
OMP_NUM_THREADS=32 ./attention_backward 3

version 4 improves data reuse in registers by doing 8 values of t3 in one warp.
OMP_NUM_THREADS=32 ./attention_backward 4

version 5 reduces the amount of non-fp32 instructions needed by avoiding ifs
OMP_NUM_THREADS=32 ./attention_backward 5
*/

#include <stdio.h>
#include <stdlib.h>
#include <assert.h>
#include <float.h>
                      
#include <cuda_runtime.h>
#include <cooperative_groups.h>
#include <cooperative_groups/reduce.h>
                                    

#include <stdlib.h>
#include <stdio.h>
#include <cuda_runtime.h>
                      
                     
#include <float.h>

#define WARP_SIZE 32U
                                 

                 
                                                       
                                            
 

                                           
                                                    
                                                        
     
               
 

// requires all 32 threads in the warp to be active, but should work for any block size
// uses non-dynamic shared memory so every call increases shared memory requirements by 128 bytes
// the fact it's unique shared memory allows us to avoid an extra __syncthreads() call at the end
// but if called inside a loop, the shared memory will be implicitly reused, so set final_sync to 1
                                           

                                         
                                                                                      
                                            
                                                                                        
                                           
                                                
                                                
                                                 

                                         
                                                         
                    
                                                                           
                                               

                     
                                                                                            
     
                     
 

// Helper function to call blockReduce with default arguments
                                         
                                                
                                                         
 

// ----------------------------------------------------------------------------
// checking utils

// CUDA error checking
                                                                
                               
                                                               
                                          
                           
     
 ;
#define cudaCheck(err) (cuda_check(err, __FILE__, __LINE__))

// cuBLAS error checking
                                                                   
 
                                          
                                                                 
                           
     
 
#define cublasCheck(status) { cublasCheck((status), __FILE__, __LINE__); }

// ----------------------------------------------------------------------------
// cuBLAS setup
// these will be initialized by setup_main

// cuBLAS workspace. Hardcoding to 32MiB but only Hopper needs 32, for others 4 is OK
                                                         
                                       
                                               
                             
                                 
                        
                        
                      // for persistent threads where we want 1 threadblock per SM
                                // needed to calculate how many blocks to launch to fill up the GPU

// ----------------------------------------------------------------------------
// to make sure that 2 blocks fit on A100/H100 to maximise latency tolerance

#define MAX_1024_THREADS_BLOCKS 2




// ----------------------------------------------------------------------------
// Packed128 data structure, which forces the compiler to use 128-bit loads/stores
// in GPUs that support (the LDG.128 and STS.128 instructions)
// This is a bit similar to the use of float4 in the case of 32-bit floats, but
// supports arbitrary precision.

                           
                              
                                                                                 
                                                  
                          
                                              
                                                                         
                                              
     

                                                              
                         
                                       
                                      
         
                      
     

                                         
                           
     

                                        
                           
     

                                                   
                              
     
                                                               
                              
     
                                      
                  
                                                                         
                                              
                    
     
                                                                               
                                                                                        
                                                                         
                              
  

// short-form typedef
                              

// load a Packed128 from an aligned memory address
                           
                                                                       
                                                                           
 
// load a Packed128 from an aligned memory address with streaming cache hint
                           
                                                                         
                                                                                  
 
// store a Packed128 to an aligned memory address
                           
                                                                             
                                                        
 
// store a Packed128 to an aligned memory address with streaming cache hint
                           
                                                                               
                                                              
 
// store a Packed128 to an aligned memory address while caching in L2 but bypassing L1
                           
                                                                               
                                                              
 

// ----------------------------------------------------------------------------
// reduced/mixed precision utilities




















                              


// older nvcc does not provide __ldcs and __stcs for bfloat16, despite these actually just being unsigned shorts.
// we need to be careful here to only define our own versions if none already exist, otherwise the compiler will
// complain.
// If not, you easily get "no viable overload" (for sm52) and "function already exists" (sm_80)












// ----------------------------------------------------------------------------
// random utils

                                       
                                                   
                                    
                                                          
     
               
 

                                    
                                                   
                                    
                                                                       
     
               
 

                                       
                                             
                                    
                                            
     
               
 

                                   
                                                   
                                                  
               
 

                                  
                                                   
                                    
                      
     
               
 

// ----------------------------------------------------------------------------
// testing and benchmarking utils

                          
                                                                                         
                                                          
                                                                            
                                     
                                            
     

                                                                                                          
                    

                                                                                         
                                                                                           
                
                  
 

                   
                              

                        
                      
                                        
                              
                                                    
                                                  
                                                                 
                                       
                                       

                                
                                              
                                                  
                                                                        

                                                                                 
                                                   
                                                         
                                                                                   
                                                                                          
                                                                                                   
                                                                    
 

                          
                                                                                                                              
                                                      
                                                                                                    
                    

                                



                                            
                               
                                       
                     

                                          
                    
                                                               
         
                                                                             
                                                  
                                                                   
                                               
                                                             
                                                                                                               
                       
                                
                              
                                   
             
         
     

                      
                      
                           
     

                  
 

                                           
                                                                                 
                            
                                                          
                                                      
                                                                                                           
                                      
                      
                                        
                              
                                                               
                       
                                                                 

                                       
                                      
                             
                                       
                   
                                                                       
                                                              
                                                   
                                                         
                                                  
                                               
                                              
                          
                                                                   
                                    
     

                                      

                                  
 

// ----------------------------------------------------------------------------
// CPU code reference

/*
NOTE:
This version of attention_forward is modified to be consistent with the
attention_forward GPU kernel in the following way small but important way:
- preatt is only QUERY @ KEY, without the scale
- the scale instead moved and fused into the softmax
- the full preatt matrix is materialized, even the parts that get masked out
    - this doesn't actually change anything due to masking, but it lets us
      easily compare to the GPU version, which also does the full, dense sgemm
In this way we'll be able to make sure that preatt and att agree CPU vs GPU
*/
                                                                 
                                       
                                                          
                                                                          
                                                                               
                                                                                
                          
                                                                     
                                                                             
                                                               
                 
                                 
                                  

                                        
                                 
                                     
                                          
                                                                    
                                                                    
                                                              

                                                             
                                        
                                                                      
                                                                                                   

                                             
                                     
                                                  
                                                      
                     
                                       
                                     
                     

                                         
                 

                                                                  
                                                                                         
                                    
                                                 
                                                                         
                                   
                                       
                 
                                                                         

                                                       
                                                
                                  
                                                  
                            
                                                                                            
                                                                                           
                                           
                     
                 

                                                                                  
                                                                  
                                                                   
                                                 
                                                                                                           
                                                  
                                                  
                                                              
                     
                 
             
         
     
 

// NOTE: Also contains the re-shuffling of the exact position of "scale"
// and when it is applied (after preatt, not "during" preatt)
// also, full matrices are materialized, even the parts that get masked out
                                                                     
                                                                
                                                          
                                    
                                         
                        
                 
                                 
                                  

                                 
                                     
                                          
                                                              
                                                                
                                                                      
                                                                      
                                                                    

                                                                  
                                                                    
                                                                                                     
                                                                                                           
                                                                                  
                                                  
                                                        
                                                                   
                                          
                                                                  
                                                                  
                     
                 

                                                   
                                                                                                 
                                                 
                                                     
                                                                 
                                                                                         
                                                                                   
                     
                 

                                                          
                                                 
                                                                                                   
                                                                                                     
                                                  
                                                        
                                                                   
                                          
                                                                   
                                                                   
                     
                 
             
         
     
 

// ----------------------------------------------------------------------------
// GPU kernels
// the forward pass that is the sequence [permute, sgemm, softmax, sgemm, unpermute]

                                                            
                                                
                                                             
                                                                            
                                                                               
                                                    

                                               
                               
                                   
                                      
                                 
                              
                         
                          

                                                                                              
                              
                                       
                                             
     
 

                                                    
                                                                                          
                                                                      
                                                    
                               
                                   
                                      
                                 
                              
                         
                          

                                                                                              
                                 
                                          
                                                
     
 

                                                                                             
                                                                              
                                                    

                                               
                               
                                   
                                      
                                 
                              
                         
                          

                                                                         
                                  
     
 

                                                                                                        
                                                    
                               
                                   
                                      
                                 
                              
                         
                          

                                                                         
                                     
     
 

                                                  
                                                 
 

                                                       
                                                       
 

                                                                                                            
                                                  
                                                         
                                                                            
                                        
                        
                                      
                                                     
                                                                    
                                                                           
                      
               
     
                          
                               

                                                     
                                   

                                                                              
                            
                        

                                                             
                                                                      
                            
                                  
                                    
                                                 
         
                                                                
                                    
                                                                      
         
     

                                                    
                                  
                                                                   
                                                                
                                                                                        
     

                                                                         
                                                               

                                                            
                           

                                      
                                                                      
                                                                            
                                                                           
                                             
     
 

// naive kernel to backward through an autoregressive softmax, just to get correctness
                                                                                                            
                                                                                   
                                               
                                                   
                 
                                     
                                       
                                     
                                          
                                              
                                                                        
                                                                          
                                                                          
                                       
                                                     
                                                                 
                                                                                         
                                                                          
                     
                                            
                 
             
         
     
 

// parallelize across t,b,h
                                                                                                            
                                                                                   
                                                   
                                 
                            

                                 
                                   
                                  
                           
                                               
                                                 
                                                 

                                         
                                                     
                                                                             
                                                              
         

                                 
     
 

// parallelize across t,b,h
                                                                                                            
                                                                                   
                                      
                                                     
                                                                    
                                                                          

                                 
                            

                                 
                                   
                                  
                           
                                               
                                                 
                                                 
                                            

                                                                       
                                                     
                                                                           
                                                      
         

                                                             
                                     
                                             
         
     
 
                                                                                                                    
                                                                                      
                                                                                      
                             
                                      
                                                     
                                                                    
                                                                                     

                                 
                            

                                 
                                   

                                                                                     
                                                                                    
                                                                      
                                                                                   
                                                                           

                                                         
                                                                        
                                                
                                  
                                  
                                                 
                                                   
                                                   

                                
                                         
                                     
                                           
         

                                                                       
                                       
                                         
                                             
                                         
                                                               
                                                                             
                                                        
             
         

                                         
                                                                       
         
                                          
                                                                                      
         
     
 

__global__ void softmax_autoregressive_backward_kernel5(float* __restrict__ dpreatt, const float* __restrict__ datt,
                                                        const float* __restrict__ att,
                                                        int B, int T, int C, int NH) {
    constexpr int UNROLL = 8;
    namespace cg = cooperative_groups;
    cg::thread_block block = cg::this_thread_block();
    cg::thread_block_tile<32> warp = cg::tiled_partition<32>(block);
    int t3 = UNROLL * (blockIdx.x * warp.meta_group_size() + warp.meta_group_rank());

    int idx = blockIdx.y * T * T;
    if (t3 >= T) { return; }

    int hs = C / NH; // head size
    float scale = 1.0f / sqrtf(hs);
    for (int t = t3; t < T; t++) {
        float result[UNROLL] = {};
        const float* att_bth = att + idx + t * T;
        const float* datt_bth = datt + idx + t * T;
        float* dpreatt_bth = dpreatt + idx + t * T;

        float att_at_t3[UNROLL];
        for(int k = 0; k < UNROLL; ++k) {
            // if t < t3+k, we're out of bounds.
            // in that case, we don't care what we read, because later on,
            // we won't write the corresponding result. So just clip to
            // make sure this is a valid (in-bounds) memory access.
            att_at_t3[k] = att_bth[min(t, t3 + k)];
        }

        // the code below is actually just a for loop; except,
        // we have to do something special in one iteration in
        // the middle, and an if turned out to have significant
        // performance impact.
        // so we split the loop in three parts. Ugly, but effective.

        // the beginning/end loop does the same thing, so we write the code
        // just once in a lambda. In this step, we're guaranteed that
        // indicator == 0
        auto loop_step = [&](int t2){
            float p = att_bth[t2] * datt_bth[t2];
            for (int k = 0; k < UNROLL; ++k) {
                result[k] -= p * att_at_t3[k];
            }
        };

        // Now the actual loop.
        {
            // declare the loop iterator. Needs to be kept across the
            // three different parts, so it's not a local variable in
            // the for loop.
            int t2 = warp.thread_rank();

            // first part, as long as t2 < t3, indicator == 0
            for (; t2 < t3; t2 += warp.size()) {
                loop_step(t2);
            }

            // because k <= warp.size() (==32), the event that t3+k == t2
            // has to happen at this particular step.
            static_assert(UNROLL <= 32, "UNROLL is too large, this won't produce correct results.");
            if (t2 <= t) {
                float att_t2 = att_bth[t2];
                float datt_t2 = datt_bth[t2];
                float p = att_t2 * datt_t2;
                for (int k = 0; k < UNROLL; ++k) {
                    float indicator = t2 == (t3 + k) ? 1.0f : 0.0f;
                    result[k] += p * (indicator - att_at_t3[k]);
                }
                t2 += warp.size();
            }

            // rest of the loop, indicator == 0 again
            for (; t2 <= t; t2 += warp.size()) {
                loop_step(t2);
            }
        }

        for(int k = 0; k < UNROLL; ++k) {
            result[k] = cg::reduce(warp, result[k], cg::plus<float>());
        }

        // when storing, we need to check that this is actually a valid result.
        // here, warp.thread_rank() corresponds to `k` in the previous loops.
        if (warp.thread_rank() < UNROLL && t >= t3 + warp.thread_rank()) {
            dpreatt_bth[t3 + warp.thread_rank()] = scale * result[warp.thread_rank()];
        }
    }
}


// I want `BlockSize` to be statically known to the compiler, thus we get a template here.
// This kernel takes a step back, and looks at the original CPU code again. We have some simple outer loops
// That are independent, (b, t, h), and then the inner loops over (t2, t3) where we're combining elements -- this is
// where we can reuse data and be more efficient
// => handle b, t, h  through block indices; each block does all the work for the (t2, t3) loop cooperatively.
// Now we have two nested loops, and in the inner instruction, we combine indexing from both => this calls for
// loop tiling, and lifting some of the memory ops out of the loop.
// We're in luck here;  if we tile so that t3 is the outer loop, we can get a sinlge write op per result, AND also cache
// the t2-indexed part of the computation, which is the problematic one because it contains a multiplication that now we
// do not have to repeat over and over.
// => do an outer t3 loop where each thread gets one t3 index. Then, do an outer t2 loop in steps of BlockSize, and
// prepare BlockSize many elements for the inner loop. Here, each thread calculates one element and stores it in shmem.
// Then, in the inner t2 loop, each thread reads *all* the elements previously stored and does its computations.
// This way, we do 3*BlockSize loads, but BlockSize^2 computation steps => This kernel is now entirely compute bound.
// To fix up the compute issues, as above, we replace ifs in memory reading with min, and also split the inner loop
// into a large region where we don't have to calculate the indicator, and a small, costly region where we do.
                       
                                                                                                                                         
                                                                                      
                                      
                                                     
                                          

                         
                       

                       
                        
                           

                                 
                                   
                                       
                                         
                                         

                                               
                                                                                
                                                                                            
                            
                                                 
                                                       
                        
                                
                                                       
                                                  
                         
             
                                              
                                           
                                                            
             

                         
                                        
                                                     
                                       
                                                             
                                                              
                 
                    
                                                     
                                                         
                 
             
         
                                      
     
 

// Actually disentangling the loops and simplifying the resulting math gives us this pretty nice kernel.
                       
                                                                                                            
                                                                                           
                                      
                                                     
                                                                    
                                   

                         
                       

                       
                        
                           

                                       
                                         
                                         

                                     
                                          
     

                        
                                                                 
                                                
     

                                                                                       
                 
                                                                                   

                                                                  
                                                             
                                      
     
 

// The slightly less pretty version of kernel 7. Adding in all the dirty tricks that can give us a few more percent
//  - streaming memory access instructions
//  - reordering blocks to prevent tail effect
//  - multiple values of T per block
                       
                                                                                                            
                                                                                           
                                      
                                  
                                                     
                                                                    
                                   

                         
                                                                            
                                            

                       
                        
                           

                                      
                                          
     

                                             
                        
                         
                                           
                                             
                                             

                            
                                                                      
                                                    
         

                                                                                           
                     
                                                                                       

                                                                      
                                                                                               
                                        
                                                                                   
                                                  
         
     
 


// ----------------------------------------------------------------------------
// kernel launchers

// attention forward pass kernel
                                                                                         
                                        
                                                   
                                              
                            
                                    
                          
                                 

                                                                           
                     
                             
                             
                             
                                        
                                                         
                                                                           

                                          
                             
                            
                                                        
                                                              
                                              
                                            
                                                   
                                                   
                                           
                                                      
                                              

                                                           
                                  
                                 
                                                                  
                                                                                              

                                                        
                                                                          
                                                        
                                                              
                                              
                                            
                                                   
                                                   
                                           
                                                        
                                              

                    
                                                                                                   
                                                 
                                                                            
 

                                                                                                                   
                                             
                                                                                                                     
 

                                                                                                                   
                                             
                                                                                                                     
 

                                                                                                                   
                                                
                                                                                                                     
 

                                                                                                                   
                                                  
                                                                                                                     
 

                                                                                                                   
                                                  
                                                                                                                     
 

                        
                                                         
                        
                
                                                             
                
                                                             
                 
                                                              
                 
                                                              
                 
                                                              
                  
                                                               
                
                                                  
     
 

                                                                                                                   
                                       
                                                                                                                                        
      
                                        
 

                                                                                                                   
                                 
                                   
                                       
                                                   
                                                                                            
                                                                                                   
      
                                        
 

                                                                                                                   
                                 
                                   
                                       
                                                   
                                                                                                
                                                                                                   
      
                                        
 

// the sequence of transformations in this compound op is:
// inp (B,T,3C) -> qkvr (B,T,3C) -> preatt (B,NH,T,T) -> att (B,NH,T,T) -> vaccum (B,T,C) -> out (B,T,C)
                             
                                                                                                
                                          
                                                                                                                        
                                                    
                                                                      
                                               
                                 
                             
                                                                                     
                                               
                           
                             
                             
                             
                        
                               
                               
                               

                                               
                                                     
                                                                                       
                                  

                         
                                                        
                                                     
                                     
                                   
                                          
                                                
                                  
                                           
                                     

                       
                                                        
                                     
                     
                   
                                
                          
                  
                           
                     

                           
                                                                                 
                                  

                      
                                                        
                                                     
                                     
                                   
                                          
                                              
                                  
                                           
                                     
                      
                                                        
                                                     
                                     
                                   
                                          
                                              
                                  
                                           
                                     

                        
                                                       
                                                                                        
                                  
 

// kernel version dispatch
                                       
                                                                                               
                                          
                                                                                                                        
                                                    
                                               
                         
               
                                                                                                                       
                                                              
                  
               
                                                                                                                       
                                                              
                  
               
                                                                                                                       
                                                              
                  
               
                                                                                                                       
                                                              
                  
               
                                                                                                                       
                                                              
                  
               
                                                                                                                       
                                                              
                  
               
                                                                                                                       
                                                              
                  
               
                                                                                                                       
                                                              
                  
                
                                              
                    
     
 

// ----------------------------------------------------------------------------

                                 
                 

                      
              
                 
                
                

                                        
                       
                   
                                   
     
                                            

                                                  
                                                  
                                                                
                                                                   
                                                                
                                                              
                                                           

                                          
                                                              

                                                
                                                                
                                                                 
                                                                  
                                                                     
                                                                  
                                                                
                                                             
                          
                                                                                             

                                          
                               
                                                                                                

                                                                             
                                                         
                                                                                        
                                                                               
                                                                               

                                              
                                                                              
                                                                                    
                                                      
                                                   

                                                                
                                                                             

                                                 
                                                                      
                                                                  
                                                                   
                                                                      
                                                                   
                                                                 
                                                              
                                                                  
                                                                                           
                                                       
                                                                    
                                                                     
                                                                        
                                                                     
                                                                   

                                 
                                                                                 
                                                                        
                                                

                                                                      
                                                                         
                                                                      
                                                               
                                                          
                                                                                        
                                                                                                 
                                                                                       

                                                          
                                                                  
                                                                                                 
                      
                         
                          
                    
                                             

                                                      
                                                                             
                                                      
                   
                        
                 
                        
                 
                           
                
                       
                
                   

                                               

                                     
                                                    
                                                                                                                                  
         

                           
                           
                
                        
         

                              
                            
         
     
                                                                                                                      
                                                                                                                                
                                                                                                                                           

                    
                                                          

                                    
                                                      
                                                                 
                                        
                              
                                                                               
                                                                                                        
                                                                                               
                                                                       

                                                                          
     

                  
              
               
                 
              
                 
              
               
               
                  
               
                 
                               
                                
                                  
                               
                                  
                               
                                
                                 
                                   
                                
                                   
                                
                                 
             
 