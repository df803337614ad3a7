#include <cuda_fp16.h>
#include <cuda_bf16.h>
/*
Kernels for residual forward pass fused with layernorm

Compile example:
nvcc -O3 --use_fast_math -lcublas -lcublasLt fused_residual_forward.cu -o fused_residual_forward

version 1 is naive port from CPU code to kernel
./fused_residual_forward 1
version 2 packs input into 128 bit memory reads
./fused_residual_forward 2
*/

#include <stdio.h>
#include <stdlib.h>
#include "assert.h"
#include <cuda_runtime.h>

#define ENABLE_BF16

#include <stdlib.h>
#include <stdio.h>
#include <cuda_runtime.h>
                      
                     
#include <float.h>

#define WARP_SIZE 32U
                                 

                 
                                                       
                                            
 

__device__ float warpReduceSum(float val) {
    for (int offset = 16; offset > 0; offset /= 2) {
        val += __shfl_xor_sync(0xFFFFFFFF, val, offset);
    }
    return val;
}

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

template<class ElementType>
struct alignas(16) Packed128 {
    // Note: = default implicitly generates a __device__ function, but explicitly
    // adding __device__ causes a lot of warnings.
    Packed128() = default;
    __device__ explicit Packed128(int4 bits) {
        static_assert(sizeof(bits) == sizeof(payload), "Size mismatch.");
        memcpy(&payload, &bits, sizeof(bits));
    }

    __device__  static Packed128 constant(ElementType value) {
        Packed128 result;
        for(int k = 0; k < size; ++k) {
            result.payload[k] = value;
        }
        return result;
    }

    __device__ static Packed128 zeros() {
        return constant(0);
    }

    __device__ static Packed128 ones() {
        return constant(1);
    }

    __device__ ElementType& operator[](int index) {
        return payload[index];
    }
    __device__ const ElementType& operator[](int index) const {
        return payload[index];
    }
    __device__ int4 get_bits() const {
        int4 bits;
        static_assert(sizeof(bits) == sizeof(payload), "Size mismatch.");
        memcpy(&bits, &payload, sizeof(bits));
        return bits;
    }
    // e.g. sizeof(int4) is 16 (4 X 4 bytes), sizeof(bfloat16) = 2, so size = 8
    // so in the case where ElementType = bfloat16, we store 8 elements in one Packed128
    static constexpr const int size = sizeof(int4) / sizeof(ElementType);
    ElementType payload[size];
};

// short-form typedef
                              

// load a Packed128 from an aligned memory address
template<class ElementType>
__device__ Packed128<ElementType> load128(const ElementType* address) {
    return Packed128<ElementType>{*reinterpret_cast<const int4*>(address)};
}
// load a Packed128 from an aligned memory address with streaming cache hint
template<class ElementType>
__device__ Packed128<ElementType> load128cs(const ElementType* address) {
    return Packed128<ElementType>{__ldcs(reinterpret_cast<const int4*>(address))};
}
// store a Packed128 to an aligned memory address
template<class ElementType>
__device__ void store128(ElementType* target, Packed128<ElementType> value) {
    *reinterpret_cast<int4*>(target) = value.get_bits();
}
// store a Packed128 to an aligned memory address with streaming cache hint
template<class ElementType>
__device__ void store128cs(ElementType* target, Packed128<ElementType> value) {
    __stcs(reinterpret_cast<int4*>(target), value.get_bits());
}
// store a Packed128 to an aligned memory address while caching in L2 but bypassing L1
                           
                                                                               
                                                              
 

// ----------------------------------------------------------------------------
// reduced/mixed precision utilities





#define CUBLAS_LOWP CUDA_R_16BF // CUDA_R_16F or CUDA_R_16BF (or CUDA_R_32F)
// CUBLAS_COMPUTE_32F or CUBLAS_COMPUTE_16F (for CUDA_R_16F only, potentially slower?!)
#define CUBLAS_LOWP_COMPUTE CUBLAS_COMPUTE_32F












typedef Packed128<__nv_bfloat16> x128;


// older nvcc does not provide __ldcs and __stcs for bfloat16, despite these actually just being unsigned shorts.
// we need to be careful here to only define our own versions if none already exist, otherwise the compiler will
// complain.
// If not, you easily get "no viable overload" (for sm52) and "function already exists" (sm_80)












// ----------------------------------------------------------------------------
// random utils

                                       
                                                   
                                    
                                                          
     
               
 

                                    
                                                   
                                    
                                                                       
     
               
 

                                       
                                             
                                    
                                            
     
               
 

                                   
                                                   
                                                  
               
 

                                  
                                                   
                                    
                      
     
               
 

// ----------------------------------------------------------------------------
// testing and benchmarking utils

                          
                                                                                         
                                                          
                                                                            
                                     
                                            
     

                                                                                                          
                    

                                                                                         
                                                                                           
                
                  
 

                   
                              

                        
                      
                                        
                              
                                                    
                                                  
                                                                 
                                       
                                       

                                
                                              
                                                  
                                                                        

                                                                                 
                                                   
                                                         
                                                                                   
                                                                                          
                                                                                                   
                                                                    
 

                          
                                                                                                                              
                                                      
                                                                                                    
                    



                          

                                            
                               
                                       
                     

                                          
                    
                                                               
         
                                                                             
                                                  
                                                                   
                                               
                                                             
                                                                                                               
                       
                                
                              
                                   
             
         
     

                      
                      
                           
     

                  
 

                                           
                                                                                 
                            
                                                          
                                                      
                                                                                                           
                                      
                      
                                        
                              
                                                               
                       
                                                                 

                                       
                                      
                             
                                       
                   
                                                                       
                                                              
                                                   
                                                         
                                                  
                                               
                                              
                          
                                                                   
                                    
     

                                      

                                  
 

// ----------------------------------------------------------------------------
// CPU code reference lol

                                                                                    
                                 
                                   
     
 

                                                                
                                                                                    
                                                 
                      
                                 
                                     
                                                    
                                                     
                                 
                           
                                         
                          
             
                    
                                                                   
                           
                                         
                                        
                                     
             
                    
                                 
                                            
                                                        
                                                    
                                         
                                                                
                                                                        
                                       
             
                                                                  
                                
                                
         
     
 

// ----------------------------------------------------------------------------
// GPU kernels

// elementwise ops are nice and ez
                                                                                                                           
                                                    
                  
                                                                        
     
 

// naive drag and drop implementation into kernel, parallelize over B,T, loop over C
                                                                                                       
                                                                                                                           
                                                         
                                                    
                      

                  
                                                
                                               
                             
                       
                                     
                             
         
                  
                                                               
                       
                                     
                                           
                                 
         
                  
                             
                                        
                                                    
                                               
                                     
                                                                   
                                                                                  
                                    
         
                                                              
                      
                      
     
 

// naive fusion; uncoalesced access pattern leads to terrible performance
                                                                                                                                 
                                                                                             
                                                                                               
                                                       
                                                    
                       

                                       
                        
                      
                    
                    

                      

                   
                                
                                                    
                 
                                         
     

              
                   
                                 
                                              
                             
     
              

                         
                                    
                                 
                                                                      
                                                                              
                                              
     
                                                          
                                 
                                 
 

// handle one token per warp for coalesced access
                                                                                                                                 
                                                                                             
                                                                                               
                                                       
                                      
                                   
                                                    
                       

                                       
                        
                      
                    
                    

                      
                   
                                                    
                                                    
                 
                          
     

                         

              
                   
                                                    
                                              
                             
     

                         
              

                         
                                    
                                                    
                                                                      
                                                                              
                               
     
                                                          
                          
                      
                      
     
 

// vectorized loading, single pass stats, streaming access and zigzag loop
                                                                                                                                        
                                                                                                    
                                                                                                      
                                                              
                                          
                                      
                                   
                                                    
                       

                                       
                        
                      
                    
                    

                            
                     
                        
                                     
                                              
                                             
                                             
                 
                                             
                                                                    
                                 
                                                    
         
                                    
     

                             
                                   

                      
                                 
                              

                               
                                               
                                                 
                                           
                                         
                 
                                             
                                                                   
                                                                          
                       
         

                                    
     
                                                          
                          
                      
                      
     
 

// what do you want in shared memory? EVERYTHING!
// thus, we no longer require zigzag loops and can do the numerically more stable variance estimation
// needs special attention in the kernel launcher to ensure we have enough smem.
__global__ void fused_residual_forward_kernel5(__nv_bfloat16* residual, __nv_bfloat16* normed, __nv_bfloat16* mean, __nv_bfloat16* rstd,
                                               const __nv_bfloat16* inp1, const __nv_bfloat16* inp2,
                                               const __nv_bfloat16* weight, const __nv_bfloat16* bias,
                                               int N, int C) {
    constexpr const int WarpSize = 32;
    assert(blockDim.x == WarpSize);

    // load weights and biases into shared memory
    // do this before we allow any threads to exit!
    extern __shared__ char params[];
    // load128/store128 sometimes generated multiple instructions when the types here were floatX*, so
    // let's keep everything as x128
    x128* s_weight = reinterpret_cast<x128*>(params);
    x128* s_bias = reinterpret_cast<x128*>(params) + (C / x128::size);
    x128* s_res = reinterpret_cast<x128*>(params) + ((2 + threadIdx.y) * C / x128::size);

    int sidx = (threadIdx.x + WarpSize * threadIdx.y) * x128::size;
    for(int i = sidx; i < C; i += blockDim.y * WarpSize * x128::size) {
        s_weight[i/x128::size] = load128(weight + i);
        s_bias[i/x128::size] = load128(bias + i);
    }
    __syncthreads();

    int idx = blockIdx.x * blockDim.y + threadIdx.y;
    if(idx > N) return;

    // adjust pointers to current token
    residual += C * idx;
    normed += C * idx;
    inp1 += C * idx;
    inp2 += C * idx;

    const float eps = 1e-5f;
    float sum = 0.0f;
    for(int c = threadIdx.x * x128::size; c < C; c += WarpSize * x128::size) {
        const x128 in1 = load128cs(inp1 + c);
        const x128 in2 = load128cs(inp2 + c);
        x128 out;
        for(int k = 0; k < x128::size; ++k) {
            out[k] = (__nv_bfloat16)((float)in1[k] + (float)in2[k]);
            sum += (float)out[k];
        }
        store128cs(residual + c, out);
        s_res[c / x128::size] = out;
    }

    sum = warpReduceSum(sum);
    float m = sum / C;
    float v = 0.f;

    for(int c = threadIdx.x * x128::size; c < C; c += WarpSize * x128::size) {
        const x128 res = s_res[c / x128::size];
        for(int k = 0; k < x128::size; ++k) {
            v += ((float)res[k] - m) * ((float)res[k] - m);
        }
    }

    v = warpReduceSum(v) / C;
    float s = rsqrtf(v + eps);

    for(int c = threadIdx.x * x128::size; c < C; c += WarpSize * x128::size) {
        const x128 res = s_res[c / x128::size];
        const x128 w = s_weight[c / x128::size];
        const x128 b = s_bias[c / x128::size];
        x128 out;
        for(int k = 0; k < x128::size; ++k) {
            float n = s * ((float)res[k] - m); // normalized output
            float o = n * (float)w[k] + (float)b[k]; // scale and shift it
            out[k] = o;
        }

        store128cs(normed + c, out);
    }
    // cache the mean and rstd for the backward pass later
    if(threadIdx.x == 0) {
        mean[idx] = m;
        rstd[idx] = s;
    }
}


// using multiple warps per token, and keep threads persistent, so we never have to reload weights and biases
// if we had one warp per token, though, this would require us to use a huge amount of shared memory. Therefore,
// we use multiple warps per token; but generally we cannot use the entire block, because that would give too
// little work per warp to be effective (each warp processes 256 bfloat16 elements, so for C=768 more than 3 warps
// will just mean idle). Therefore, we add a z dimension, where warps with different z handle different tokens.
// all this makes the launcher logic more complicated :(
                                                                                                                                        
                                                                                                    
                                                                                                      
                                                              
                                      
                                   

                                                 
                                                   
                                    
                                                                                                      
                                    
                                                      
                                                     
                                                                               
                                                                                                      
                                                                                                  
                                                                
                                                                                                                                       
                                                                                                                                                     

                                                                   
                                                  

                                         
                                                       
                                                   
     

                                                                                     
                                    

                           
                                                                                                     
                                           
                                                         
                                                     
                                                       
                                                       

                                
                         
                                              
                                                    
                                                    
                     
                                                  
                                                         
                                      
             
                                             
                                        
         
                                 
                              
                                      
         
                        
                                                                                          
                                                                                          
                                                                                                         
                                                
                      

                                              
                                                   
                                                  
                                                                 
             
         

                             
                              
                                   
         
                        
                                                                                   
                                  

                                              
                                                   
                                                    
                                                  
                     
                                                  
                                                                        
                                                                                
                           
             

                                         
         
                                                              
                                                   
                           
                           
         
     
 



// ----------------------------------------------------------------------------
// kernel launcher

                                                                                                                      
                                                                                  
                                                                                    
                                                                  
                                                            
                                                                                         
                                  
                                                     
                                                                                                              
                                  
 

                                                                                                                      
                                                                                  
                                                                                    
                                                                  
                                                         
                                                                                                                     
                                  
 

                                                                                                                      
                                                                                  
                                                                                    
                                                                  
                                  
                                               
                                                                                                                            
                                  
 

                                                                                                                      
                                                                                  
                                                                                    
                                                                  
                                  
                                               
                                                                                                                                   
                                  
 

                                                                                                                      
                                                                                  
                                                                                    
                                                                  
                                  
                                               
                                                            

                                                                                  
                                                                                 
                                  
                                                                                                                          
                       
                               
                                                                                                                        
                                                                                                   
            
                                                                                                                  
                                                                                             
     
                                  
 

                                                                                                                      
                                                                                  
                                                                                    
                                                                  
                                                                          
                                      
                                                        
                                                
                                                                                           

                                                                                  
                                                                                 
                                  
                                                                                                                          
                       
                               
                                                                                       
                                                                                                                                  
                                                                                                   
            
                                                       
                                                                                                                      
                                                                                             
     
                                  
 

// kernel version dispatch
                                                                                                                                     
                                                                                 
                                                                                   
                                                                 
                         
               
                                                                                                              
                  
               
                                                                                                              
                  
               
                                                                                                              
                  
               
                                                                                                              
                  
               
                                                                                                              
                  
               
                                                                                                              
                  
                
                                              
                    
     
 

// ----------------------------------------------------------------------------

                                       
                 

              
                 
                

                                        
                       
                   
                                   
     
                                            

                                           
                                                                
                                                              
                                               
                                               
                                                        
                                                        
                                         
                                       
    
                  
                              
                            
                          
                          
                          
                          
                            
                          
                                                                          
                                                                        
                                                                      
                                                                      
                                                          
                                                          
                                                        
                                                      
                                                       
                                                       
                                                   
                                               

                                                
                                                          
                                                                               

                                               
                                                      

                                                                 
                                        
                                                        
                                                                                
                                                                                                                  
                                                   
                                                                       
                                                                          
                                                          
                                                          
                                                                    
     

                                                          

                                                                 
                                        

                                
                                                                                               
                                                                                                                     
                                                                
                                                

                                                              
                                                                                                      
                                                             
                                                                      
                                                                 
                                                         

                                                                                                
                                                                          
     

                  
                   
                 
               
               
                 
               
               
               
                                    
                                  
                                
                                
                                  
                                
                                
                                

             
 
